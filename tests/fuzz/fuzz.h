/*
 * What every fuzz target shares: the libFuzzer entry point's prototype and
 * CHECK, which stops the run (an abort the fuzzer reports as a crash) when
 * one of the target's invariants does not hold.
 */
#ifndef PMTREE_FUZZ_H
#define PMTREE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

#endif
