// OpenSSL's PEM reader, for BoxAPI's app-config private key only: Box ships the JWT key as an
// encrypted PKCS#8 PEM, which swift-crypto cannot open. One function, so no OpenSSL type leaks.
#ifndef BOXBRIDGE_COPENSSL_SHIM_H
#define BOXBRIDGE_COPENSSL_SHIM_H

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

/// Decrypts a PEM private key (encrypted PKCS#8, or legacy encrypted PEM) with `passphrase` and
/// writes it as unencrypted PKCS#8 PEM into a malloc'ed buffer the caller frees with `free`.
/// Returns 0 on success, otherwise the OpenSSL error code (never 0) and writes its reason, at most
/// `reason_capacity` bytes with the terminator, into `reason`. The passphrase never leaves here.
static inline unsigned long boxbridge_decrypt_private_key_pem(
    const char *pem, size_t pem_length, const char *passphrase,
    char **out, size_t *out_length, char *reason, size_t reason_capacity)
{
    *out = NULL;
    *out_length = 0;
    if (reason_capacity > 0) reason[0] = 0;
    ERR_clear_error();
    BIO *input = BIO_new_mem_buf(pem, (int)pem_length);
    if (input == NULL) return 1;
    EVP_PKEY *key = PEM_read_bio_PrivateKey(input, NULL, NULL, (void *)passphrase);
    BIO_free(input);
    if (key == NULL) {
        unsigned long code = ERR_peek_last_error();
        if (code == 0) code = 1;
        if (reason_capacity > 0) ERR_error_string_n(code, reason, reason_capacity);
        ERR_clear_error();
        return code;
    }
    BIO *output = BIO_new(BIO_s_mem());
    int written = output != NULL && PEM_write_bio_PKCS8PrivateKey(output, key, NULL, NULL, 0, NULL, NULL);
    EVP_PKEY_free(key);
    if (!written) {
        unsigned long code = ERR_peek_last_error();
        if (code == 0) code = 1;
        if (reason_capacity > 0) ERR_error_string_n(code, reason, reason_capacity);
        BIO_free(output);
        ERR_clear_error();
        return code;
    }
    char *data = NULL;
    long length = BIO_get_mem_data(output, &data);
    *out = (char *)malloc((size_t)length);
    if (*out != NULL) {
        memcpy(*out, data, (size_t)length);
        *out_length = (size_t)length;
    }
    // BIO_free on a memory BIO clears its buffer before releasing it.
    BIO_free(output);
    return *out != NULL ? 0 : 1;
}

#endif
