"""Torture suite: ``python -m bench.torture [--cycles N]`` (see ``bench/torture/__main__.py``).

Parts: ``crash`` (SIGKILL during note saving and signing), ``corruption`` (damaged vault files),
``canary`` (a scripted session, then a scan of every place data could leak to), ``sync``
(duplicated, replayed and reordered deliveries to a loopback county server). Each part returns
figures and a list of breaches; any breach makes the command exit non-zero.
"""
