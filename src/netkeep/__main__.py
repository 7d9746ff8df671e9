from netkeep.cli import main

main()
