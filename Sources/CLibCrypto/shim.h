#ifndef CONNECT_AUDIT_CLIBCRYPTO_SHIM_H
#define CONNECT_AUDIT_CLIBCRYPTO_SHIM_H

/* SHA-256 through EVP; HMAC-SHA256 for AWS Signature Version 4; Ed25519 keys (PEM) and
   signatures for the signed snapshot digests. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/bio.h>

#endif
