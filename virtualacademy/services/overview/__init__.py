"""The academy overview: figures per locality for a period, aggregated in the database, with the academy's
total, its average per locality and the spread across localities beside each one.

Each section is a module (``roll``, ``cohort``, ``attendance``); each answers for every locality in a few grouped
statements, however many learners, so the page costs the same on a demo academy and a national one. What a viewer
sees is decided by :func:`virtualacademy.policies.relations.overseen_localities`: an admin every locality, a
coordinator their own, compared against the academy (averages and spread only, never another locality's name).
"""
