from errbot_zalouser.cli import main

raise SystemExit(main(prog="python -m errbot_zalouser"))
