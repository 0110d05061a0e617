"""A realistic demo book, seeded through the application's command methods (the path the CLI takes).

Stages, actions and their fields come from the playbook; this package only adds the sample words
(words.py). The book is deterministic for a given `today`: each deal's story (stories.py) is a list
of commands with gaps in days between them, laid out (book.py) so that the last one falls on a
chosen day in the past. Dates only move forward, so no record falls before the deal's last stage
change and the whole book passes `dealflow audit --all`.
"""
