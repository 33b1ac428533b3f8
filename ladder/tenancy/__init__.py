"""Organizations (tenants), staff, roles, teams, skills, API tokens and the business
calendar. Imports no other Ladder app."""
