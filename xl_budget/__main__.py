from xl_budget.cli import main

main()
