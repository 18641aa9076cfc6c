from slar.cli import main

main()
