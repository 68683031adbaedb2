/*
 * Benchmark baseline only (not shipped): the same DeepSeekHashV1 search as src/pow/pow-kernel.ts, in C with native
 * 64-bit lanes and the same unrolled permutation and last-block reuse, so `pnpm bench` can compare the TypeScript
 * solver against compiled code on the same challenges in the same run.
 *
 * stdin: one challenge per line, "<salt>_<expire_at>_ <64 hex target> <difficulty>".
 * stdout: one line per challenge, "<answer or -1> <search time in ns> <CPU time of the search in ns>"; the CPU time
 * (this thread's) is what other processes on a busy machine do not inflate.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define RATE 136
#define ROL64(v, n) (((v) << (n)) | ((v) >> (64 - (n))))

static const uint64_t RC[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808AULL, 0x8000000080008000ULL,
    0x000000000000808BULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008AULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000AULL,
    0x000000008000808BULL, 0x800000000000008BULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800AULL, 0x800000008000000AULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* Keccak-f[1600] without round 0. */
static void permute(uint64_t *s) {
  uint64_t a0 = s[0], a1 = s[1], a2 = s[2], a3 = s[3], a4 = s[4], a5 = s[5], a6 = s[6], a7 = s[7], a8 = s[8],
           a9 = s[9], a10 = s[10], a11 = s[11], a12 = s[12], a13 = s[13], a14 = s[14], a15 = s[15], a16 = s[16],
           a17 = s[17], a18 = s[18], a19 = s[19], a20 = s[20], a21 = s[21], a22 = s[22], a23 = s[23], a24 = s[24];
  uint64_t b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15, b16, b17, b18, b19, b20, b21, b22,
      b23, b24, c0, c1, c2, c3, c4, d;
  for (int r = 1; r < 24; r++) {
    c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20;
    c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21;
    c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22;
    c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23;
    c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24;
    d = c4 ^ ROL64(c1, 1); a0 ^= d; a5 ^= d; a10 ^= d; a15 ^= d; a20 ^= d;
    d = c0 ^ ROL64(c2, 1); a1 ^= d; a6 ^= d; a11 ^= d; a16 ^= d; a21 ^= d;
    d = c1 ^ ROL64(c3, 1); a2 ^= d; a7 ^= d; a12 ^= d; a17 ^= d; a22 ^= d;
    d = c2 ^ ROL64(c4, 1); a3 ^= d; a8 ^= d; a13 ^= d; a18 ^= d; a23 ^= d;
    d = c3 ^ ROL64(c0, 1); a4 ^= d; a9 ^= d; a14 ^= d; a19 ^= d; a24 ^= d;
    b0 = a0;
    b16 = ROL64(a5, 36);
    b7 = ROL64(a10, 3);
    b23 = ROL64(a15, 41);
    b14 = ROL64(a20, 18);
    b10 = ROL64(a1, 1);
    b1 = ROL64(a6, 44);
    b17 = ROL64(a11, 10);
    b8 = ROL64(a16, 45);
    b24 = ROL64(a21, 2);
    b20 = ROL64(a2, 62);
    b11 = ROL64(a7, 6);
    b2 = ROL64(a12, 43);
    b18 = ROL64(a17, 15);
    b9 = ROL64(a22, 61);
    b5 = ROL64(a3, 28);
    b21 = ROL64(a8, 55);
    b12 = ROL64(a13, 25);
    b3 = ROL64(a18, 21);
    b19 = ROL64(a23, 56);
    b15 = ROL64(a4, 27);
    b6 = ROL64(a9, 20);
    b22 = ROL64(a14, 39);
    b13 = ROL64(a19, 8);
    b4 = ROL64(a24, 14);
    a0 = b0 ^ (~b1 & b2);
    a1 = b1 ^ (~b2 & b3);
    a2 = b2 ^ (~b3 & b4);
    a3 = b3 ^ (~b4 & b0);
    a4 = b4 ^ (~b0 & b1);
    a5 = b5 ^ (~b6 & b7);
    a6 = b6 ^ (~b7 & b8);
    a7 = b7 ^ (~b8 & b9);
    a8 = b8 ^ (~b9 & b5);
    a9 = b9 ^ (~b5 & b6);
    a10 = b10 ^ (~b11 & b12);
    a11 = b11 ^ (~b12 & b13);
    a12 = b12 ^ (~b13 & b14);
    a13 = b13 ^ (~b14 & b10);
    a14 = b14 ^ (~b10 & b11);
    a15 = b15 ^ (~b16 & b17);
    a16 = b16 ^ (~b17 & b18);
    a17 = b17 ^ (~b18 & b19);
    a18 = b18 ^ (~b19 & b15);
    a19 = b19 ^ (~b15 & b16);
    a20 = b20 ^ (~b21 & b22);
    a21 = b21 ^ (~b22 & b23);
    a22 = b22 ^ (~b23 & b24);
    a23 = b23 ^ (~b24 & b20);
    a24 = b24 ^ (~b20 & b21);
    a0 ^= RC[r];
  }
  s[0] = a0; s[1] = a1; s[2] = a2; s[3] = a3; s[4] = a4; s[5] = a5; s[6] = a6; s[7] = a7; s[8] = a8; s[9] = a9;
  s[10] = a10; s[11] = a11; s[12] = a12; s[13] = a13; s[14] = a14; s[15] = a15; s[16] = a16; s[17] = a17;
  s[18] = a18; s[19] = a19; s[20] = a20; s[21] = a21; s[22] = a22; s[23] = a23; s[24] = a24;
}

static void xor_bytes(uint64_t *s, const uint8_t *bytes, size_t count) {
  for (size_t i = 0; i < count; i++) s[i >> 3] ^= (uint64_t)bytes[i] << ((i & 7) * 8);
}

/* Assumes the prefix tail and the nonce fit in one block, as they do for real challenges (~35-byte prefix). */
static long solve(const uint8_t *prefix, size_t length, const uint64_t want[4], long difficulty) {
  uint64_t base[25] = {0}, s[25];
  size_t offset = 0;
  for (; length - offset >= RATE; offset += RATE) {
    xor_bytes(base, prefix + offset, RATE);
    permute(base);
  }
  size_t tail = length - offset;
  xor_bytes(base, prefix + offset, tail);
  base[(RATE - 1) >> 3] ^= 0x80ULL << 56;
  uint8_t varying[RATE + 8] = {0};
  int digits = 1;
  long next_power = 10;
  for (long n = 0; n < difficulty; n++) {
    if (n == next_power) {
      digits++;
      next_power *= 10;
    }
    long rest = n;
    for (size_t i = tail + digits; i-- > tail;) {
      varying[i] = (uint8_t)('0' + rest % 10);
      rest /= 10;
    }
    varying[tail + digits] = 0x06;
    memcpy(s, base, sizeof s);
    for (size_t w = tail >> 3; w <= (tail + digits) >> 3; w++) {
      uint64_t word;
      memcpy(&word, varying + (w << 3), 8); /* little-endian host */
      s[w] ^= word;
    }
    permute(s);
    if (s[0] == want[0] && s[1] == want[1] && s[2] == want[2] && s[3] == want[3]) return n;
  }
  return -1;
}

static long long elapsed_ns(const struct timespec *from, const struct timespec *to) {
  return (long long)(to->tv_sec - from->tv_sec) * 1000000000LL + (to->tv_nsec - from->tv_nsec);
}

int main(void) {
  char prefix[256], target[65];
  long difficulty;
  while (scanf("%255s %64s %ld", prefix, target, &difficulty) == 3) {
    uint8_t digest[32];
    for (int i = 0; i < 32; i++) sscanf(target + 2 * i, "%2hhx", &digest[i]);
    uint64_t want[4] = {0};
    xor_bytes(want, digest, 32);
    struct timespec start, end, cpu_start, cpu_end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu_start);
    long answer = solve((const uint8_t *)prefix, strlen(prefix), want, difficulty);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu_end);
    clock_gettime(CLOCK_MONOTONIC, &end);
    printf("%ld %lld %lld\n", answer, elapsed_ns(&start, &end), elapsed_ns(&cpu_start, &cpu_end));
    fflush(stdout);
  }
  return 0;
}
