from zkaot.cli import main

raise SystemExit(main())
