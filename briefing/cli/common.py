"""What the subcommands share: opening the profile, printing text or JSON."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager

from briefing.services.profile import open_profile, seed_demo_if_needed


@contextmanager
def profile_for(args):
    from briefing.logs import setup_logging

    profile = open_profile(args.data_dir, demo=args.demo)
    setup_logging(profile.paths, verbose=args.verbose)
    try:
        for notice in profile.notices:
            print(f"briefing: warning: {notice}", file=sys.stderr)
        if args.demo:
            seed_demo_if_needed(profile)
        yield profile
    finally:
        profile.close()


def emit(args, data, text_lines) -> None:
    if getattr(args, "json", False):
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        for line in text_lines:
            print(line)

