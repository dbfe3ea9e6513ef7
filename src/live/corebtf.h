/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The CO-RE target subset of the kernel's BTF (see corebtf.c): what
 * libbpf needs to relocate our object, without scanning the whole kernel
 * BTF once per relocated type.
 */
#ifndef OOMREAP_COREBTF_H
#define OOMREAP_COREBTF_H

#include <stddef.h>

struct kbtf;

/*
 * Write to a memfd the kernel types with these names (a flavour suffix,
 * "___x", is ignored), with every type they embed.  path gets a name
 * libbpf can open ("/proc/self/fd/N").  Returns the fd (the caller closes
 * it once the object is loaded) or -errno.
 */
int corebtf__write(const struct kbtf *kernel, const char *const *names, size_t nnames,
		   char *path, size_t pathlen);

#endif /* OOMREAP_COREBTF_H */
