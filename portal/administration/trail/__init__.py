"""The administrator's audit viewer (/audit): the trail, filtered and paginated in SQL, each
event's before and after, and a CSV of the events a filter finds."""
