"""Visit records and reminders (issue: visits). Depends on cases."""
