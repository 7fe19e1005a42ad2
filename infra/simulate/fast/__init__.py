"""`omo simulate --fast`: the evening in one process on a discrete-event clock.

The services' own pure rules decide: the quote's model of the future (`delivery.quoting`,
`delivery.forecast`, `delivery.promise`), the pickers' batches (`fulfillment.batches.planning`)
and the dispatcher's plans and decisions (`delivery.dispatch.planning`, OR-Tools itself). What
the services do in SQL (the floor's queue and pace, the backlog) is mirrored in `floor`, tested
against the SQL. The solver's wall time is not store time: a plan is committed at the moment it
was asked for, as a dispatcher with a free core would. The shoppers are the full simulator's,
drawn from the same streams, so both modes see the same orders for a seed.
"""
