"""Pure business rules of the counter: no Qt, no SQL, no I/O.

Everything here can be imported by the provincial server too, so that codes, due dates and the
lifecycle agree on both sides.
"""
