from askbrief.cli.main import main

main()
