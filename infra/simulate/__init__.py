"""`omo simulate`: an evening at the store played against the real services, sped up.

Shoppers, a till, pickers and riders are asyncio agents that call the services' HTTP APIs and
wait in the services' own (fast) time; the report is read back from the system afterwards.
"""
