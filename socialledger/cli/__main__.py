from socialledger.cli import main

main()
