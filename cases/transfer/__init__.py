"""Moving a household to another unit of the federation: request, acceptance or refusal, hand-over."""
