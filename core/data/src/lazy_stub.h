/* The stubs of functions dcmkit calls in libraries it loads on first use (cmake/lazy_load.cmake).
 *
 * DK_LAZY_STUB(name, k) defines the hidden function `name`: it jumps through dk_lazy_slots[k] once
 * that slot holds the library's function; before, it enters dk_lazy_enter with k, which saves the
 * argument registers, calls dk_lazy_resolve(k) (lazy_library.cpp: loads the library, fills its slots,
 * returns slot k) and jumps to the function with the caller's arguments and return address, as if
 * the caller had called it directly. The stub keeps no frame of its own, so exceptions and
 * unwinding pass through it unchanged. Included by the generated lazy_stubs.S only. */

#if defined(__x86_64__)

/* r11 is scratch in the System V ABI and carries no argument. */
#define DK_LAZY_STUB(name, k)                 \
    .text;                                    \
    .globl name;                              \
    .hidden name;                             \
    .type name, @function;                    \
    .p2align 4;                               \
    name:                                     \
    movq dk_lazy_slots + 8 * (k)(%rip), %r11; \
    testq %r11, %r11;                         \
    jz 1f;                                    \
    jmpq *%r11;                               \
    1:                                        \
    movl $(k), %r11d;                         \
    jmp dk_lazy_enter;                        \
    .size name, .- name;

    .text
    .p2align 4
    .type dk_lazy_enter, @function
dk_lazy_enter:
    /* On entry rsp = 8 mod 16 (the caller's call). Saved: the six integer argument registers, rax
     * (the vector count of a variadic call), r10 (a static chain) and xmm0-xmm7. */
    pushq %rbp
    movq %rsp, %rbp
    pushq %rdi
    pushq %rsi
    pushq %rdx
    pushq %rcx
    pushq %r8
    pushq %r9
    pushq %rax
    pushq %r10
    subq $128, %rsp
    movdqu %xmm0, 0(%rsp)
    movdqu %xmm1, 16(%rsp)
    movdqu %xmm2, 32(%rsp)
    movdqu %xmm3, 48(%rsp)
    movdqu %xmm4, 64(%rsp)
    movdqu %xmm5, 80(%rsp)
    movdqu %xmm6, 96(%rsp)
    movdqu %xmm7, 112(%rsp)
    movl %r11d, %edi
    call dk_lazy_resolve
    movq %rax, %r11
    movdqu 0(%rsp), %xmm0
    movdqu 16(%rsp), %xmm1
    movdqu 32(%rsp), %xmm2
    movdqu 48(%rsp), %xmm3
    movdqu 64(%rsp), %xmm4
    movdqu 80(%rsp), %xmm5
    movdqu 96(%rsp), %xmm6
    movdqu 112(%rsp), %xmm7
    addq $128, %rsp
    popq %r10
    popq %rax
    popq %r9
    popq %r8
    popq %rcx
    popq %rdx
    popq %rsi
    popq %rdi
    popq %rbp
    jmpq *%r11
    .size dk_lazy_enter, .- dk_lazy_enter
    .hidden dk_lazy_resolve
    .hidden dk_lazy_slots

#elif defined(__aarch64__)

/* x16 and x17 (IP0, IP1) are the linker's veneer registers: free at a call. */
#define DK_LAZY_STUB(name, k)                               \
    .text;                                                  \
    .globl name;                                            \
    .hidden name;                                           \
    .type name, %function;                                  \
    .p2align 4;                                             \
    name:                                                   \
    adrp x16, dk_lazy_slots + 8 * (k);                      \
    ldr x16, [x16, #:lo12:dk_lazy_slots + 8 * (k)];         \
    cbz x16, 1f;                                            \
    br x16;                                                 \
    1:                                                      \
    mov x16, #(k);                                          \
    b dk_lazy_enter;                                        \
    .size name, .- name;

    .text
    .p2align 4
    .type dk_lazy_enter, %function
dk_lazy_enter:
    /* Saved: x0-x7, x8 (the indirect result), q0-q7, the frame pointer and the caller's return
     * address (x30), which the final br (not blr) keeps. */
    stp x29, x30, [sp, #-224]!
    mov x29, sp
    stp x0, x1, [sp, #16]
    stp x2, x3, [sp, #32]
    stp x4, x5, [sp, #48]
    stp x6, x7, [sp, #64]
    str x8, [sp, #80]
    stp q0, q1, [sp, #96]
    stp q2, q3, [sp, #128]
    stp q4, q5, [sp, #160]
    stp q6, q7, [sp, #192]
    mov x0, x16
    bl dk_lazy_resolve
    mov x16, x0
    ldp q0, q1, [sp, #96]
    ldp q2, q3, [sp, #128]
    ldp q4, q5, [sp, #160]
    ldp q6, q7, [sp, #192]
    ldp x0, x1, [sp, #16]
    ldp x2, x3, [sp, #32]
    ldp x4, x5, [sp, #48]
    ldp x6, x7, [sp, #64]
    ldr x8, [sp, #80]
    ldp x29, x30, [sp], #224
    br x16
    .size dk_lazy_enter, .- dk_lazy_enter
    .hidden dk_lazy_resolve
    .hidden dk_lazy_slots

#else
#error "lazy loading has stubs for x86-64 and AArch64 only: configure with -DDCMKIT_LAZY_LOAD=OFF"
#endif

    .section .note.GNU-stack, "", %progbits
