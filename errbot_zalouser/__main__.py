from errbot_zalouser.cli import main

raise SystemExit(main())
