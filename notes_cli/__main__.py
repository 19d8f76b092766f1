from notes_cli.app import main

main()
