#ifndef CONNECT_AUDIT_CMALLOC_SHIM_H
#define CONNECT_AUDIT_CMALLOC_SHIM_H

/* glibc's mallopt, for keeping freed memory for reuse (AuditCLI/ProcessLifetime.swift). */
#include <malloc.h>

#endif
