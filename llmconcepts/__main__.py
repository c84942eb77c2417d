from llmconcepts.cli import main

main()
