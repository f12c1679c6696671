import AuditCLI

ConnectAudit.runAndExit()
