from .cli import main

raise SystemExit(main(quick_exit=True))
