"""The load test (``make loadtest``): locust against two gunicorn instances of the portal in
production configuration, over one PostgreSQL and one Redis, each virtual user alternating
between the instances request by request. It sits beside the portal, as the benchmarks do:
it may import the portal, and nothing in the portal imports it."""
