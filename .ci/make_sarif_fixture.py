#!/usr/bin/env python3
"""Writes a small project with findings of every severity into DIR, with keys made up at run
time (nothing secret is committed). Usage: make_sarif_fixture.py DIR"""

import os
import random
import string
import sys

rng = random.Random(2026)


def key(n=32):
    while True:
        k = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))
        if any(c.isdigit() for c in k):
            return k


root = sys.argv[1]
files = {
    ".env": f"VOICEINFRA_API_KEY={key()}\n",
    "src/client.py": (
        'import requests\n\n'
        'BASE = "https://api.voiceinfra.ai/v1"\n'
        f'TOKEN = "{key()}"\n'
    ),
    "src/weather.py": (
        'requests.get("https://api.weatherco.io/v2/forecast",\n'
        f'             headers={{"X-API-Key": "{key()}"}})\n'
    ),
    "web/dist/assets/index-3f9a1c7e.js": (
        "var a=1;" * 400
        + f'fetch("https://api.voiceinfra.ai/v1/calls",{{headers:{{"X-API-Key":"{key()}"}}}});\n'
    ),
    # Split so that this script itself is not a finding when viscan scans our tree.
    "web/src/App.tsx": "const k = process.env.NEXT_PUBLIC_" + "VOICEINFRA_API_KEY;\n",
    "dir with space/ünïcode.env": f"VOICEINFRA_API_KEY={key()}\n",
}
for rel, text in files.items():
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
