"""Configuration → Agents (SPEC §5): users, their role, security groups, campaigns, screen
monitoring and password, edited by admins and read by supervisors for their groups; break types."""
