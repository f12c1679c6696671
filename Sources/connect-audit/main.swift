import AuditCLI

ConnectAudit.main()
