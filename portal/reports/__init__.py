"""Contract monitoring: the commissioner's dashboard, provider scorecards and the committee
report, drawn from every part of the service in aggregate queries."""
