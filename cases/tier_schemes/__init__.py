"""Published tier schemes an administrator can switch to (`manage.py use_tier_scheme NAME`)."""

import json
from pathlib import Path

HERE = Path(__file__).parent
SCHEMES = sorted(p.stem for p in HERE.glob("*.json"))


def load_scheme(name: str) -> list[dict]:
    return json.loads((HERE / f"{name}.json").read_text(encoding="utf-8"))
