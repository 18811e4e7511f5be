"""`relgate serve`: the gate as an HTTP service for deploy platforms, and a console for auditors.

Only the `serve` command imports this package (and its web stack, the `relgate[serve]` extra),
so `relgate check` starts as fast as it did before.
"""
