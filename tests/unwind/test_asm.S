/* Hand-written frames whose CFI uses opcodes compilers rarely emit, checked
   against glibc backtrace() like the compiled ones. Both call cb(depth, seed)
   (System V: edi, esi, rdx) and return its result. */
        .text

        .type   asm_dummy_personality, @function
asm_dummy_personality:            /* never called: no exception crosses these frames */
        xorl    %eax, %eax
        ret
        .size   asm_dummy_personality, .-asm_dummy_personality

/* CIE "zPR" (personality, no LSDA); *_sf opcodes, offset_extended,
   remember/restore_state, GNU_args_size, same_value, register, val_offset,
   def_cfa_register, advance_loc2 (300-byte gap) */
        .globl  asm_odd
        .type   asm_odd, @function
asm_odd:
        .cfi_startproc
        .cfi_personality 0x1b, asm_dummy_personality
        pushq   %rbp
        .cfi_escape 0x13, 0x7e          /* def_cfa_offset_sf -2 (*-8 = 16) */
        .cfi_escape 0x11, 0x06, 0x02    /* offset_extended_sf rbp, 2 (cfa-16) */
        pushq   %rbx
        .cfi_escape 0x0e, 0x18          /* def_cfa_offset 24 */
        .cfi_escape 0x05, 0x03, 0x03    /* offset_extended rbx, 3 (cfa-24) */
        subq    $8, %rsp
        .cfi_escape 0x12, 0x07, 0x7c    /* def_cfa_sf rsp, -4 (32) */
        .cfi_remember_state
        .cfi_escape 0x2e, 0x00          /* GNU_args_size 0 */
        .cfi_escape 0x08, 0x0c          /* same_value r12 */
        .cfi_escape 0x09, 0x0d, 0x0d    /* register r13 in r13 */
        movq    %rdx, %rbx
        movq    %rsp, %rbp
        .cfi_escape 0x0d, 0x06          /* def_cfa_register rbp (rbp + 32) */
        .fill   300, 1, 0x90
        .cfi_escape 0x14, 0x07, 0x00    /* val_offset rsp, 0: caller's rsp = CFA */
        call    *%rbx
        .cfi_restore_state              /* CFA = rsp + 32 again */
        addq    $8, %rsp
        .cfi_def_cfa_offset 24
        popq    %rbx
        .cfi_def_cfa_offset 16
        .cfi_restore %rbx
        popq    %rbp
        .cfi_def_cfa_offset 8
        .cfi_restore %rbp
        ret
        .cfi_endproc
        .size   asm_odd, .-asm_odd

/* CFA given by DW_CFA_def_cfa_expression (rbp 0; lit8; dup; plus; plus;
   lit1; bra +1; [lit31 skipped]; nop  =>  rbp + 16) and rbp by
   DW_CFA_expression (rbp 0): never cached, evaluated on every walk */
        .globl  asm_expr
        .type   asm_expr, @function
asm_expr:
        .cfi_startproc
        pushq   %rbp
        .cfi_def_cfa_offset 16
        .cfi_offset %rbp, -16
        movq    %rsp, %rbp
        .cfi_escape 0x0f, 0x0c, 0x76, 0x00, 0x38, 0x12, 0x22, 0x22, 0x31, 0x28, 0x01, 0x00, 0x4f, 0x96
        .cfi_escape 0x10, 0x06, 0x02, 0x76, 0x00
        subq    $16, %rsp
        call    *%rdx
        leave
        .cfi_def_cfa %rsp, 8
        .cfi_restore %rbp
        ret
        .cfi_endproc
        .size   asm_expr, .-asm_expr

        .section .note.GNU-stack,"",@progbits
