/* MGO_TEST_SANITIZED is 1 when this test is built with AddressSanitizer
 * (gcc defines __SANITIZE_ADDRESS__; clang answers __has_feature), else 0.
 * The few tests that bound a time loosen the bound there: the sanitized
 * processes run several times slower, which is not what they measure. */
#ifndef MGO_TEST_SANITIZED_H
#define MGO_TEST_SANITIZED_H

#if defined(__SANITIZE_ADDRESS__)
#define MGO_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MGO_TEST_SANITIZED 1
#endif
#endif
#ifndef MGO_TEST_SANITIZED
#define MGO_TEST_SANITIZED 0
#endif

#endif
