"""A sale, however it is made (the till, scan-and-go): scans priced at today's prices, its stock
taken by the till rule, the sale and its lines recorded."""
