"""Customer accounts: contacts, products held, money (MRR or contract value), owner and
programs (hours or lessons). Imports tenancy only."""
