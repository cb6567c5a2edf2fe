from icafe.cli import main

raise SystemExit(main())
