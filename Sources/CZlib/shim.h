#ifndef CONNECT_AUDIT_CZLIB_SHIM_H
#define CONNECT_AUDIT_CZLIB_SHIM_H

/* zlib's inflate, for gzipped CloudTrail log files. */
#include <zlib.h>

#endif
