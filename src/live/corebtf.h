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

/* Our object's subset, as attach_opts.core_btf_path wants it. */
struct corebtf {
	int fd;         /* memfd, -1 when not built */
	char path[32];  /* "/proc/self/fd/N" */
};

void corebtf__init(struct corebtf *c);
/*
 * Build it from kernel for the type names our object's relocations can
 * target (known at build time: oomreap.core_names.h).  Not built (said
 * under -v; libbpf then relocates against the whole BTF) when that fails,
 * or with OOMREAP_FULL_CORE_BTF=1 (the tests compare the two).
 */
void corebtf__open(struct corebtf *c, const struct kbtf *kernel);
/* NULL when not built. */
const char *corebtf__path(const struct corebtf *c);
/* Read at load time only: close it once the object is loaded. */
void corebtf__close(struct corebtf *c);

/*
 * Write to a memfd the kernel types with these names (a flavour suffix,
 * "___x", is ignored), with every type they embed.  path gets a name
 * libbpf can open ("/proc/self/fd/N").  Returns the fd (the caller closes
 * it once the object is loaded) or -errno.
 */
int corebtf__write(const struct kbtf *kernel, const char *const *names, size_t nnames,
		   char *path, size_t pathlen);

#endif /* OOMREAP_COREBTF_H */
