#ifndef CONNECT_AUDIT_CLIBCRYPTO_SHIM_H
#define CONNECT_AUDIT_CLIBCRYPTO_SHIM_H

/* Only the message-digest API: SHA-256 through EVP. */
#include <openssl/evp.h>

#endif
