"""Service delivery of programs (schools, tutoring): sessions recorded through the API,
the customer page or a CSV import, and the program fields playbook rules read to watch
pace, interruptions, renewals, tutor matching and the waiting list (TD3, ED1, ED2, ED9).
Imports tenancy, customers, cases and the playbook engine; never api or web."""
