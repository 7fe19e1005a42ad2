"""Routing: the problem, the plan, and the solvers that turn one into the other."""
