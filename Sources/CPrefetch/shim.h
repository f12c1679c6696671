#ifndef CONNECT_AUDIT_CPREFETCH_SHIM_H
#define CONNECT_AUDIT_CPREFETCH_SHIM_H

/* Asks the processor to bring the cache line at `address` in ahead of its use, for data
   read once in an order the hardware cannot guess (a report's rows in report order,
   AuditCore/Report/JSONEventWriter.swift). Only a hint: any address may be given. */
static inline void connect_audit_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 0);
}

#endif
