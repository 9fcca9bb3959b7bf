"""`zca-sim`: a stand-in for the `zca` command-line tool, with no Zalo account and no network.

Use it wherever `zca` is expected (``ZALOUSER_ZCA=zca-sim``); state lives in ``$ZCA_SIM_HOME``
(default ``~/.zca-sim``) and a fresh profile starts seeded and logged in. Tests drive it with
:class:`errbot_zalouser.simulator.control.SimControl`.

Modules: ``cli`` (entry point), ``cliparse`` + ``spec`` (commander-style argv), ``commands``
(one-shot commands), ``listen`` + ``inbox`` (the inbound stream), ``state`` (files and locks),
``faults`` (fault knobs), ``events``, ``seed``, ``render``, ``qr``, ``process``, ``texts``.
Only the standard library is imported, to keep start-up fast.
"""
