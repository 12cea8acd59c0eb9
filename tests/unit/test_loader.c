/* SPDX-License-Identifier: MIT */
/* Unit tests for libhv/loader: ELF64 images are built in memory (no cross compiler, no
 * committed binaries), then truncated and mutated; every malformed image must be refused
 * with a message and leave guest memory untouched. Also raw images and hv__file_read. */
#include <criterion/criterion.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/err.h"
#include "loader/loader.h"
#include "mem/mem.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (16ull << 20)
#define ROM_BASE 0x1000ull
#define ROM_SIZE 0x10000ull
#define MMIO_BASE 0x10000000ull
#define SENTINEL 0x5a

static struct hv_mem mem;
static char err[HV__ERRLEN];

static void mem_setup(void)
{
    cr_assert_eq(hv__mem_init(&mem, 1ull << 32, err, sizeof err), 0, "%s", err);
    cr_assert_eq(hv__mem_map(&mem, RAM_BASE, RAM_SIZE, HV_REGION_RAM, HV_MEM_RAM, err, sizeof err),
                 0, "%s", err);
    cr_assert_eq(hv__mem_map(&mem, ROM_BASE, ROM_SIZE, HV_REGION_ROM, HV_MEM_ROM, err, sizeof err),
                 0, "%s", err);
    cr_assert_eq(hv__mem_add_mmio(&mem, MMIO_BASE, 0x1000, NULL, NULL, err, sizeof err), 0,
                 "%s", err);
}

static void mem_teardown(void)
{
    hv__mem_fini(&mem);
}

TestSuite(loader, .init = mem_setup, .fini = mem_teardown);

/* ---- in-memory ELF builder ---------------------------------------------------------- */

struct seg {
    uint64_t paddr, vaddr, memsz;
    size_t filesz;
    uint8_t fill;                /* file bytes are fill + index */
};

/* Where the builder put things, so tests can corrupt precise fields. */
struct elf {
    uint8_t *buf;
    size_t len;
    size_t phoff, shoff, symoff, stroff;
    unsigned nsyms;
    size_t strsize;
};

enum { SH_NULL, SH_TEXT, SH_SYMTAB, SH_STRTAB, SH_SHSTRTAB, SH_COUNT };

static const char strtab[] = "\0tohost\0fromhost\0_start";
static const char shstrtab[] = "\0.text\0.symtab\0.strtab\0.shstrtab";

#define TOHOST_VA   0x80002100ull
#define FROMHOST_VA 0x80002140ull

/* Layout: ehdr, phdrs, segment data, .symtab, .strtab, .shstrtab, section headers last (so
 * any truncation cuts a structure the loader must validate). */
static struct elf build_elf(const struct seg *segs, unsigned nseg, uint64_t entry)
{
    struct elf e = { 0 };
    size_t off = sizeof(Elf64_Ehdr);
    e.phoff = off;
    off += nseg * sizeof(Elf64_Phdr);
    size_t data_off[8];
    cr_assert(nseg <= 8);
    for (unsigned i = 0; i < nseg; i++) {
        data_off[i] = off;
        off += segs[i].filesz;
    }
    off = (off + 7) & ~(size_t)7;
    e.symoff = off;
    e.nsyms = 5;
    off += e.nsyms * sizeof(Elf64_Sym);
    e.stroff = off;
    e.strsize = sizeof(strtab);
    off += sizeof(strtab);
    size_t shstroff = off;
    off += sizeof(shstrtab);
    off = (off + 7) & ~(size_t)7;
    e.shoff = off;
    off += SH_COUNT * sizeof(Elf64_Shdr);
    e.len = off;
    e.buf = calloc(1, e.len);
    cr_assert_not_null(e.buf);

    Elf64_Ehdr eh = { 0 };
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = 243;
    eh.e_version = EV_CURRENT;
    eh.e_entry = entry;
    eh.e_phoff = e.phoff;
    eh.e_shoff = e.shoff;
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = (uint16_t)nseg;
    eh.e_shentsize = sizeof(Elf64_Shdr);
    eh.e_shnum = SH_COUNT;
    eh.e_shstrndx = SH_SHSTRTAB;
    memcpy(e.buf, &eh, sizeof eh);

    for (unsigned i = 0; i < nseg; i++) {
        Elf64_Phdr ph = { .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X,
                          .p_offset = data_off[i], .p_vaddr = segs[i].vaddr,
                          .p_paddr = segs[i].paddr, .p_filesz = segs[i].filesz,
                          .p_memsz = segs[i].memsz, .p_align = 8 };
        memcpy(e.buf + e.phoff + i * sizeof ph, &ph, sizeof ph);
        for (size_t j = 0; j < segs[i].filesz; j++)
            e.buf[data_off[i] + j] = (uint8_t)(segs[i].fill + j);
    }

    /* An undefined "tohost" comes first: the lookup must skip it for the defined one. */
    Elf64_Sym syms[5] = {
        { 0 },
        { .st_name = 1, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_NOTYPE), .st_shndx = SHN_UNDEF,
          .st_value = 0xdead },
        { .st_name = 1, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT), .st_shndx = SH_TEXT,
          .st_value = TOHOST_VA, .st_size = 8 },
        { .st_name = 8, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT), .st_shndx = SH_TEXT,
          .st_value = FROMHOST_VA, .st_size = 8 },
        { .st_name = 17, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), .st_shndx = SH_TEXT,
          .st_value = entry },
    };
    memcpy(e.buf + e.symoff, syms, sizeof syms);
    memcpy(e.buf + e.stroff, strtab, sizeof strtab);
    memcpy(e.buf + shstroff, shstrtab, sizeof shstrtab);

    Elf64_Shdr sh[SH_COUNT] = {
        [SH_TEXT] = { .sh_name = 1, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
                      .sh_addr = nseg ? segs[0].vaddr : 0, .sh_offset = nseg ? data_off[0] : 0,
                      .sh_size = nseg ? segs[0].filesz : 0, .sh_addralign = 4 },
        [SH_SYMTAB] = { .sh_name = 7, .sh_type = SHT_SYMTAB, .sh_offset = e.symoff,
                        .sh_size = sizeof syms, .sh_link = SH_STRTAB, .sh_info = 1,
                        .sh_addralign = 8, .sh_entsize = sizeof(Elf64_Sym) },
        [SH_STRTAB] = { .sh_name = 15, .sh_type = SHT_STRTAB, .sh_offset = e.stroff,
                        .sh_size = sizeof strtab, .sh_addralign = 1 },
        [SH_SHSTRTAB] = { .sh_name = 23, .sh_type = SHT_STRTAB, .sh_offset = shstroff,
                          .sh_size = sizeof shstrtab, .sh_addralign = 1 },
    };
    memcpy(e.buf + e.shoff, sh, sizeof sh);
    return e;
}

/* The default image: code at RAM_BASE, data + bss (holding tohost/fromhost) after it. */
static const struct seg default_segs[] = {
    { .paddr = RAM_BASE, .vaddr = RAM_BASE, .filesz = 0x1000, .memsz = 0x1000, .fill = 0x10 },
    { .paddr = RAM_BASE + 0x2000, .vaddr = RAM_BASE + 0x2000, .filesz = 0x100, .memsz = 0x2000,
      .fill = 0x80 },
};

static struct elf default_elf(void)
{
    return build_elf(default_segs, 2, RAM_BASE + 0x40);
}

static Elf64_Ehdr get_ehdr(const struct elf *e)
{
    Elf64_Ehdr eh;
    memcpy(&eh, e->buf, sizeof eh);
    return eh;
}
static void put_ehdr(struct elf *e, const Elf64_Ehdr *eh) { memcpy(e->buf, eh, sizeof *eh); }

static Elf64_Phdr get_phdr(const struct elf *e, unsigned i)
{
    Elf64_Phdr ph;
    memcpy(&ph, e->buf + e->phoff + i * sizeof ph, sizeof ph);
    return ph;
}
static void put_phdr(struct elf *e, unsigned i, const Elf64_Phdr *ph)
{
    memcpy(e->buf + e->phoff + i * sizeof *ph, ph, sizeof *ph);
}

static Elf64_Shdr get_shdr(const struct elf *e, unsigned i)
{
    Elf64_Shdr sh;
    memcpy(&sh, e->buf + e->shoff + i * sizeof sh, sizeof sh);
    return sh;
}
static void put_shdr(struct elf *e, unsigned i, const Elf64_Shdr *sh)
{
    memcpy(e->buf + e->shoff + i * sizeof *sh, sh, sizeof *sh);
}

static Elf64_Sym get_sym(const struct elf *e, unsigned i)
{
    Elf64_Sym s;
    memcpy(&s, e->buf + e->symoff + i * sizeof s, sizeof s);
    return s;
}
static void put_sym(struct elf *e, unsigned i, const Elf64_Sym *s)
{
    memcpy(e->buf + e->symoff + i * sizeof *s, s, sizeof *s);
}

/* ---- guest-memory helpers ------------------------------------------------------------ */

/* Fill the start of RAM and all of ROM with a sentinel and clear the dirty log, so a later
 * check can prove that a refused image wrote nothing. */
static void poison_guest(void)
{
    memset(hv__mem_hva(&mem, RAM_BASE, 0x10000), SENTINEL, 0x10000);
    memset(hv__mem_hva(&mem, ROM_BASE, ROM_SIZE), SENTINEL, ROM_SIZE);
    hv__mem_dirty_scan(&mem, NULL, NULL, true);
}

static void count_page(void *opaque, uint64_t gpa)
{
    (void)gpa;
    ++*(size_t *)opaque;
}

static bool guest_untouched(void)
{
    size_t pages = 0;
    hv__mem_dirty_scan(&mem, count_page, &pages, false);
    if (pages)
        return false;
    const uint8_t *ram = hv__mem_hva(&mem, RAM_BASE, 0x10000);
    for (size_t i = 0; i < 0x10000; i++)
        if (ram[i] != SENTINEL)
            return false;
    return true;
}

/* Load a copy of exactly `len` bytes (so ASan sees any read past the end). */
static int load_copy(const uint8_t *img, size_t len, struct hv_elf_info *info)
{
    uint8_t *copy = malloc(len ? len : 1);
    cr_assert_not_null(copy);
    memcpy(copy, img, len);
    err[0] = '\0';
    int rc = hv__elf_load(&mem, copy, len, info, err, sizeof err);
    free(copy);
    return rc;
}

/* Expect the image to be refused with `code`, a message containing `what`, and no guest
 * memory written. */
static void expect_refused(struct elf *e, int code, const char *what)
{
    struct hv_elf_info info;
    poison_guest();
    int rc = load_copy(e->buf, e->len, &info);
    cr_expect_eq(rc, code, "expected %s, got %s (%s)", hv_err_name(code), hv_err_name(rc), err);
    cr_expect(strstr(err, what) != NULL, "message '%s' lacks '%s'", err, what);
    cr_expect(guest_untouched(), "refused image wrote guest memory (%s)", err);
    free(e->buf);
}

/* ---- positive tests -------------------------------------------------------------------- */

Test(loader, loads_segments_bss_entry_and_symbols)
{
    struct elf e = default_elf();
    /* Garbage where the bss goes: the loader must zero it, not trust fresh memory. */
    memset(hv__mem_hva(&mem, RAM_BASE + 0x2000, 0x2000), 0xee, 0x2000);
    struct hv_elf_info info;
    cr_assert_eq(hv__elf_load(&mem, e.buf, e.len, &info, err, sizeof err), 0, "%s", err);
    cr_expect_eq(info.entry, RAM_BASE + 0x40);
    cr_expect_eq(info.lowest, RAM_BASE);
    cr_expect_eq(info.highest, RAM_BASE + 0x4000);
    cr_expect_eq(info.tohost, TOHOST_VA);
    cr_expect_eq(info.fromhost, FROMHOST_VA);

    uint8_t buf[0x2000];
    cr_assert_eq(hv__mem_read(&mem, RAM_BASE, buf, 0x1000), 0);
    for (size_t i = 0; i < 0x1000; i++)
        cr_assert_eq(buf[i], (uint8_t)(0x10 + i), "code byte %zu", i);
    cr_assert_eq(hv__mem_read(&mem, RAM_BASE + 0x2000, buf, 0x2000), 0);
    for (size_t i = 0; i < 0x100; i++)
        cr_assert_eq(buf[i], (uint8_t)(0x80 + i), "data byte %zu", i);
    for (size_t i = 0x100; i < 0x2000; i++)
        cr_assert_eq(buf[i], 0, "bss byte %zu not zeroed", i);
    cr_expect(hv__mem_is_dirty(&mem, RAM_BASE));
    cr_expect(hv__mem_is_dirty(&mem, RAM_BASE + 0x3000), "bss pages must be marked dirty");
    free(e.buf);
}

Test(loader, info_may_be_null_and_gap_is_untouched)
{
    struct elf e = default_elf();
    poison_guest();
    cr_assert_eq(hv__elf_load(&mem, e.buf, e.len, NULL, err, sizeof err), 0, "%s", err);
    /* The hole between the segments is not part of any segment. */
    const uint8_t *gap = hv__mem_hva(&mem, RAM_BASE + 0x1000, 0x1000);
    for (size_t i = 0; i < 0x1000; i++)
        cr_assert_eq(gap[i], SENTINEL);
    free(e.buf);
}

Test(loader, vaddr_differs_from_paddr)
{
    /* Load address is p_paddr; entry and symbols are virtual and get translated. */
    struct seg s[] = {
        { .paddr = RAM_BASE + 0x200000, .vaddr = 0xffffffff80000000ull, .filesz = 0x3000,
          .memsz = 0x4000, .fill = 1 },
    };
    struct elf e = build_elf(s, 1, 0xffffffff80000010ull);
    Elf64_Sym t = get_sym(&e, 2);
    t.st_value = 0xffffffff80003000ull;
    put_sym(&e, 2, &t);
    struct hv_elf_info info;
    cr_assert_eq(hv__elf_load(&mem, e.buf, e.len, &info, err, sizeof err), 0, "%s", err);
    cr_expect_eq(info.entry, RAM_BASE + 0x200010);
    cr_expect_eq(info.tohost, RAM_BASE + 0x203000);
    cr_expect_eq(info.fromhost, FROMHOST_VA, "outside every segment: left as is");
    cr_expect_eq(info.lowest, RAM_BASE + 0x200000);
    cr_expect_eq(info.highest, RAM_BASE + 0x204000);
    cr_expect_eq(*hv__mem_hva(&mem, RAM_BASE + 0x200005, 1), 6);
    free(e.buf);
}

Test(loader, loads_into_rom)
{
    struct seg s[] = { { .paddr = ROM_BASE, .vaddr = ROM_BASE, .filesz = 0x800,
                         .memsz = 0x1000, .fill = 3 } };
    struct elf e = build_elf(s, 1, ROM_BASE);
    poison_guest();
    cr_assert_eq(hv__elf_load(&mem, e.buf, e.len, NULL, err, sizeof err), 0, "%s", err);
    const uint8_t *rom = hv__mem_hva(&mem, ROM_BASE, 0x1000);
    cr_expect_eq(rom[0], 3);
    cr_expect_eq(rom[0x7ff], (uint8_t)(3 + 0x7ff));
    cr_expect_eq(rom[0x800], 0);
    cr_expect_eq(rom[0xfff], 0);
    free(e.buf);
}

Test(loader, segment_may_span_adjacent_ram_regions)
{
    cr_assert_eq(hv__mem_map(&mem, RAM_BASE + RAM_SIZE, 0x100000, HV_REGION_RAM, HV_MEM_RAM,
                             err, sizeof err), 0, "%s", err);
    struct seg s[] = { { .paddr = RAM_BASE + RAM_SIZE - 0x800, .vaddr = 0, .filesz = 0x1000,
                         .memsz = 0x3000, .fill = 9 } };
    struct elf e = build_elf(s, 1, 0);
    memset(hv__mem_hva(&mem, RAM_BASE + RAM_SIZE, 0x3000), 0xee, 0x3000);
    cr_assert_eq(hv__elf_load(&mem, e.buf, e.len, NULL, err, sizeof err), 0, "%s", err);
    uint8_t buf[0x3000];
    cr_assert_eq(hv__mem_read(&mem, RAM_BASE + RAM_SIZE - 0x800, buf, sizeof buf), 0);
    for (size_t i = 0; i < sizeof buf; i++)
        cr_assert_eq(buf[i], i < 0x1000 ? (uint8_t)(9 + i) : 0, "byte %zu", i);
    free(e.buf);
}

Test(loader, empty_segments_are_skipped)
{
    struct seg s[] = {
        { .paddr = 0xdead0000, .vaddr = 0, .filesz = 0, .memsz = 0 },   /* not in RAM: fine */
        { .paddr = RAM_BASE, .vaddr = RAM_BASE, .filesz = 0x10, .memsz = 0x10, .fill = 1 },
    };
    struct elf e = build_elf(s, 2, RAM_BASE);
    struct hv_elf_info info;
    cr_assert_eq(hv__elf_load(&mem, e.buf, e.len, &info, err, sizeof err), 0, "%s", err);
    cr_expect_eq(info.lowest, RAM_BASE);
    cr_expect_eq(info.highest, RAM_BASE + 0x10);
    free(e.buf);
}

Test(loader, non_load_headers_are_ignored)
{
    struct elf e = default_elf();
    Elf64_Phdr ph = get_phdr(&e, 1);
    ph.p_type = PT_NOTE;
    ph.p_paddr = 0x1;                 /* nonsense, but not PT_LOAD */
    ph.p_offset = UINT64_MAX;
    put_phdr(&e, 1, &ph);
    struct hv_elf_info info;
    cr_assert_eq(hv__elf_load(&mem, e.buf, e.len, &info, err, sizeof err), 0, "%s", err);
    cr_expect_eq(info.highest, RAM_BASE + 0x1000);
    free(e.buf);
}

Test(loader, stripped_image_loads_without_htif)
{
    struct elf e = default_elf();
    Elf64_Ehdr eh = get_ehdr(&e);
    eh.e_shoff = 0;
    put_ehdr(&e, &eh);
    struct hv_elf_info info;
    cr_assert_eq(hv__elf_load(&mem, e.buf, e.len, &info, err, sizeof err), 0, "%s", err);
    cr_expect_eq(info.tohost, 0);
    cr_expect_eq(info.fromhost, 0);
    uint64_t v;
    cr_expect_eq(hv__elf_symbol(e.buf, e.len, "tohost", &v, err, sizeof err), HV_ENOENT);
    cr_expect(strstr(err, "tohost") != NULL, "%s", err);
    free(e.buf);
}

Test(loader, image_without_symtab_loads_without_htif)
{
    struct elf e = default_elf();
    Elf64_Shdr sh = get_shdr(&e, SH_SYMTAB);
    sh.sh_type = SHT_PROGBITS;
    put_shdr(&e, SH_SYMTAB, &sh);
    struct hv_elf_info info;
    cr_assert_eq(hv__elf_load(&mem, e.buf, e.len, &info, err, sizeof err), 0, "%s", err);
    cr_expect_eq(info.tohost, 0);
    uint64_t v;
    cr_expect_eq(hv__elf_symbol(e.buf, e.len, "tohost", &v, err, sizeof err), HV_ENOENT);
    free(e.buf);
}

Test(loader, symbol_lookup)
{
    struct elf e = default_elf();
    uint64_t v = 0;
    cr_assert_eq(hv__elf_symbol(e.buf, e.len, "tohost", &v, err, sizeof err), 0, "%s", err);
    cr_expect_eq(v, TOHOST_VA, "the undefined tohost entry must be skipped");
    cr_assert_eq(hv__elf_symbol(e.buf, e.len, "_start", &v, err, sizeof err), 0, "%s", err);
    cr_expect_eq(v, RAM_BASE + 0x40);
    v = 7;
    cr_expect_eq(hv__elf_symbol(e.buf, e.len, "nope", &v, err, sizeof err), HV_ENOENT);
    cr_expect(strstr(err, "'nope' not found") != NULL, "%s", err);
    cr_expect_eq(v, 7, "value untouched when not found");
    cr_expect_eq(hv__elf_symbol(e.buf, e.len, "tohos", &v, err, sizeof err), HV_ENOENT,
                 "prefixes must not match");
    cr_expect_eq(hv__elf_symbol(NULL, 0, "tohost", &v, err, sizeof err), HV_EINVAL);
    cr_expect_eq(hv__elf_symbol(e.buf, e.len, NULL, &v, err, sizeof err), HV_EINVAL);
    cr_expect_eq(hv__elf_symbol(e.buf, e.len, "tohost", NULL, err, sizeof err), HV_EINVAL);
    /* Symbol lookup does not care about machine or type. */
    Elf64_Ehdr eh = get_ehdr(&e);
    eh.e_machine = EM_X86_64;
    eh.e_type = ET_DYN;
    put_ehdr(&e, &eh);
    cr_expect_eq(hv__elf_symbol(e.buf, e.len, "fromhost", &v, err, sizeof err), 0, "%s", err);
    cr_expect_eq(v, FROMHOST_VA);
    free(e.buf);
}

/* The VM's copy of the symbol table (hv_vm_symbol): defined symbols only, sizes, a global
 * definition before a local one of the same name, stripped images have none. */
Test(loader, symbol_table_copy)
{
    struct elf e = default_elf();
    /* Turn the undefined "tohost" (entry 1) into a defined LOCAL one at another address. */
    Elf64_Sym s;
    memcpy(&s, e.buf + e.symoff + sizeof s, sizeof s);
    s.st_shndx = SH_TEXT;
    s.st_info = ELF64_ST_INFO(STB_LOCAL, STT_OBJECT);
    s.st_value = 0x1234;
    memcpy(e.buf + e.symoff + sizeof s, &s, sizeof s);
    struct hv_elf_syms *t = NULL;
    cr_assert_eq(hv__elf_syms_copy(e.buf, e.len, &t, err, sizeof err), 0, "%s", err);
    uint64_t v = 0, size = 0;
    cr_assert_eq(hv__elf_syms_find(t, "tohost", &v, &size), 0);
    cr_expect_eq(v, TOHOST_VA, "the global definition wins over the local one");
    cr_expect_eq(size, 8);
    cr_assert_eq(hv__elf_syms_find(t, "_start", &v, &size), 0);
    cr_expect_eq(v, RAM_BASE + 0x40);
    cr_expect_eq(hv__elf_syms_find(t, "nope", &v, &size), HV_ENOENT);
    cr_expect_eq(hv__elf_syms_find(NULL, "tohost", &v, &size), HV_ENOENT);
    hv__elf_syms_free(t);
    hv__elf_syms_free(NULL);
    /* Without section headers there is no table. */
    Elf64_Ehdr eh = get_ehdr(&e);
    eh.e_shoff = 0;
    put_ehdr(&e, &eh);
    cr_expect_eq(hv__elf_syms_copy(e.buf, e.len, &t, err, sizeof err), HV_ENOENT);
    cr_expect_null(t);
    free(e.buf);
}

Test(loader, is_elf)
{
    struct elf e = default_elf();
    cr_expect(hv__elf_is_elf(e.buf, e.len));
    cr_expect(hv__elf_is_elf(e.buf, 4));
    cr_expect(!hv__elf_is_elf(e.buf, 3));
    cr_expect(!hv__elf_is_elf(NULL, 100));
    cr_expect(!hv__elf_is_elf("\x7f" "ELX", 4));
    cr_expect(!hv__elf_is_elf("", 0));
    free(e.buf);
}

Test(loader, null_arguments)
{
    struct elf e = default_elf();
    cr_expect_eq(hv__elf_load(NULL, e.buf, e.len, NULL, err, sizeof err), HV_EINVAL);
    cr_expect_eq(hv__elf_load(&mem, NULL, 0, NULL, err, sizeof err), HV_EINVAL);
    /* A NULL error buffer is allowed. */
    cr_expect_eq(hv__elf_load(&mem, e.buf, 10, NULL, NULL, 0), HV_EFORMAT);
    free(e.buf);
}

/* ---- truncation ------------------------------------------------------------------------ */

Test(loader, every_truncation_fails_cleanly)
{
    struct elf e = default_elf();
    for (size_t len = 0; len < e.len; len++) {
        poison_guest();
        int rc = load_copy(e.buf, len, NULL);
        cr_assert_eq(rc, HV_EFORMAT, "length %zu: got %s (%s)", len, hv_err_name(rc), err);
        cr_assert(err[0] != '\0', "length %zu: no message", len);
        cr_assert(guest_untouched(), "length %zu: guest memory written (%s)", len, err);
    }
    cr_expect_eq(load_copy(e.buf, e.len, NULL), 0, "%s", err);
    free(e.buf);
}

Test(loader, truncation_messages)
{
    struct elf e = default_elf();
    load_copy(e.buf, 40, NULL);
    cr_expect(strstr(err, "shorter than the 64-byte ELF header") != NULL, "%s", err);
    load_copy(e.buf, 100, NULL);
    cr_expect(strstr(err, "program headers") && strstr(err, "truncated?"), "%s", err);
    load_copy(e.buf, e.phoff + 2 * sizeof(Elf64_Phdr) + 10, NULL);
    cr_expect(strstr(err, "segment 0 file data") && strstr(err, "truncated?"), "%s", err);
    load_copy(e.buf, e.len - 1, NULL);
    cr_expect(strstr(err, "section headers") && strstr(err, "truncated?"), "%s", err);
    load_copy((const uint8_t *)"hello", 5, NULL);
    cr_expect(strstr(err, "not an ELF file") != NULL, "%s", err);
    free(e.buf);
}

/* ---- header checks ---------------------------------------------------------------------- */

#define EHDR_CASE(name, field, val, code, msg)                                              \
    Test(loader, name)                                                                      \
    {                                                                                       \
        struct elf e = default_elf();                                                       \
        Elf64_Ehdr eh = get_ehdr(&e);                                                       \
        eh.field = val;                                                                     \
        put_ehdr(&e, &eh);                                                                  \
        expect_refused(&e, code, msg);                                                      \
    }

EHDR_CASE(bad_magic, e_ident[EI_MAG1], 'X', HV_EFORMAT, "bad magic")
EHDR_CASE(elf32_class, e_ident[EI_CLASS], ELFCLASS32, HV_EFORMAT, "not ELFCLASS64")
EHDR_CASE(big_endian, e_ident[EI_DATA], ELFDATA2MSB, HV_EFORMAT, "not little-endian")
EHDR_CASE(bad_ident_version, e_ident[EI_VERSION], 2, HV_EFORMAT, "not EV_CURRENT")
EHDR_CASE(bad_version, e_version, 0, HV_EFORMAT, "not EV_CURRENT")
EHDR_CASE(wrong_machine, e_machine, EM_X86_64, HV_EFORMAT, "not RISC-V")
EHDR_CASE(dyn_refused, e_type, ET_DYN, HV_EFORMAT, "ET_DYN")
EHDR_CASE(rel_refused, e_type, ET_REL, HV_EFORMAT, "not an executable")
EHDR_CASE(no_phdrs, e_phnum, 0, HV_EFORMAT, "no program headers")
EHDR_CASE(phnum_xnum, e_phnum, PN_XNUM, HV_EFORMAT, "extended program header")
EHDR_CASE(phentsize, e_phentsize, 32, HV_EFORMAT, "program header entry size")
EHDR_CASE(phoff_beyond_file, e_phoff, 1u << 20, HV_EFORMAT, "program headers")
EHDR_CASE(phoff_overflow, e_phoff, UINT64_MAX - 8, HV_EFORMAT, "program headers")
EHDR_CASE(phoff_overflow2, e_phoff, UINT64_MAX - 2 * sizeof(Elf64_Phdr) + 1, HV_EFORMAT,
          "program headers")
EHDR_CASE(phnum_too_many, e_phnum, 1000, HV_EFORMAT, "program headers")
EHDR_CASE(shentsize, e_shentsize, 40, HV_EFORMAT, "section header entry size")
EHDR_CASE(shoff_overflow, e_shoff, UINT64_MAX - 64, HV_EFORMAT, "section headers")
EHDR_CASE(shnum_zero_with_shoff, e_shnum, 0, HV_EFORMAT, "extended section numbering")
EHDR_CASE(shnum_too_many, e_shnum, 0xfff0, HV_EFORMAT, "section headers")

/* ---- segment checks --------------------------------------------------------------------- */

#define PHDR_CASE(name, idx, field, val, code, msg)                                         \
    Test(loader, name)                                                                      \
    {                                                                                       \
        struct elf e = default_elf();                                                       \
        Elf64_Phdr ph = get_phdr(&e, idx);                                                  \
        ph.field = val;                                                                     \
        put_phdr(&e, idx, &ph);                                                             \
        expect_refused(&e, code, msg);                                                      \
    }

PHDR_CASE(p_offset_beyond_file, 1, p_offset, 1u << 20, HV_EFORMAT, "segment 1 file data")
PHDR_CASE(p_offset_overflow, 1, p_offset, UINT64_MAX - 0x10, HV_EFORMAT, "segment 1 file data")
PHDR_CASE(p_filesz_overflow, 0, p_filesz, UINT64_MAX - 0x40, HV_EFORMAT, "p_filesz")
PHDR_CASE(filesz_over_memsz, 1, p_filesz, 0x2001, HV_EFORMAT, "larger than p_memsz")
PHDR_CASE(memsz_wraps, 1, p_memsz, UINT64_MAX - 0x1000, HV_EFORMAT, "wraps around")
PHDR_CASE(memsz_huge, 1, p_memsz, 1ull << 40, HV_ERANGE, "outside guest RAM")
PHDR_CASE(paddr_wraps, 1, p_paddr, UINT64_MAX - 0x10, HV_EFORMAT, "wraps around")
PHDR_CASE(segment_outside_ram, 1, p_paddr, 0x40000000, HV_ERANGE,
          "segment 1 [0x40000000+0x2000) is outside guest RAM/ROM (0x40000000 is not mapped)")
PHDR_CASE(segment_beyond_window, 1, p_paddr, 1ull << 36, HV_ERANGE, "outside guest RAM")
PHDR_CASE(segment_partly_outside_ram, 1, p_paddr, RAM_BASE + RAM_SIZE - 0x1000, HV_ERANGE,
          "(0x81000000 is not mapped)")
PHDR_CASE(segment_in_mmio, 0, p_paddr, MMIO_BASE, HV_ERANGE, "is MMIO")
PHDR_CASE(segment_partly_rom_then_hole, 0, p_paddr, ROM_BASE + ROM_SIZE - 0x10, HV_ERANGE,
          "(0x11000 is not mapped)")

Test(loader, p_filesz_and_memsz_both_huge)
{
    struct elf e = default_elf();
    Elf64_Phdr ph = get_phdr(&e, 1);
    ph.p_filesz = UINT64_MAX;
    ph.p_memsz = UINT64_MAX;
    put_phdr(&e, 1, &ph);
    expect_refused(&e, HV_EFORMAT, "segment 1 file data");
}

/* End exactly at 2^64: info.highest could not be represented, so it counts as wrapping. */
Test(loader, segment_ending_at_2_64_wraps)
{
    struct elf e = default_elf();
    Elf64_Phdr ph = get_phdr(&e, 1);
    ph.p_paddr = 0xfffffffffffff000ull;
    ph.p_memsz = 0x1000;
    ph.p_filesz = 0x100;
    put_phdr(&e, 1, &ph);
    expect_refused(&e, HV_EFORMAT, "wraps around");
}

Test(loader, segment_ending_just_below_2_64_is_outside)
{
    struct elf e = default_elf();
    Elf64_Phdr ph = get_phdr(&e, 1);
    ph.p_paddr = 0xfffffffffffff000ull;
    ph.p_memsz = 0xfff;
    ph.p_filesz = 0x100;
    put_phdr(&e, 1, &ph);
    expect_refused(&e, HV_ERANGE, "(0xfffffffffffff000 is not mapped)");
}

Test(loader, later_bad_segment_leaves_earlier_unloaded)
{
    /* Segment 0 is fine; segment 2 is not: nothing at all may be written. */
    struct seg s[] = {
        { .paddr = RAM_BASE, .vaddr = RAM_BASE, .filesz = 0x100, .memsz = 0x100, .fill = 1 },
        { .paddr = RAM_BASE + 0x1000, .vaddr = RAM_BASE + 0x1000, .filesz = 0x100,
          .memsz = 0x200, .fill = 2 },
        { .paddr = 0x70000000, .vaddr = 0x70000000, .filesz = 0x10, .memsz = 0x4000000 },
    };
    struct elf e = build_elf(s, 3, RAM_BASE);
    expect_refused(&e, HV_ERANGE, "segment 2 [0x70000000+0x4000000) is outside guest RAM/ROM");
}

Test(loader, no_pt_load)
{
    struct elf e = default_elf();
    for (unsigned i = 0; i < 2; i++) {
        Elf64_Phdr ph = get_phdr(&e, i);
        ph.p_type = PT_NOTE;
        put_phdr(&e, i, &ph);
    }
    expect_refused(&e, HV_EFORMAT, "no PT_LOAD segments");
}

Test(loader, only_empty_pt_load)
{
    struct elf e = default_elf();
    for (unsigned i = 0; i < 2; i++) {
        Elf64_Phdr ph = get_phdr(&e, i);
        ph.p_filesz = ph.p_memsz = 0;
        put_phdr(&e, i, &ph);
    }
    expect_refused(&e, HV_EFORMAT, "nothing to load");
}

/* ---- symbol-table checks (hv__elf_symbol and, through it, hv__elf_load) ------------------ */

static void expect_bad_symtab(struct elf *e, const char *what)
{
    uint64_t v = 0x1234;
    int rc = hv__elf_symbol(e->buf, e->len, "tohost", &v, err, sizeof err);
    cr_expect_eq(rc, HV_EFORMAT, "got %s (%s)", hv_err_name(rc), err);
    cr_expect(strstr(err, what) != NULL, "message '%s' lacks '%s'", err, what);
    cr_expect_eq(v, 0x1234, "value written despite a malformed table");
    expect_refused(e, HV_EFORMAT, what);
}

#define SHDR_CASE(name, idx, field, val, msg)                                               \
    Test(loader, name)                                                                      \
    {                                                                                       \
        struct elf e = default_elf();                                                       \
        Elf64_Shdr sh = get_shdr(&e, idx);                                                  \
        sh.field = val;                                                                     \
        put_shdr(&e, idx, &sh);                                                             \
        expect_bad_symtab(&e, msg);                                                         \
    }

SHDR_CASE(symtab_entsize, SH_SYMTAB, sh_entsize, 16, "entry size")
SHDR_CASE(symtab_size_not_multiple, SH_SYMTAB, sh_size, 5 * sizeof(Elf64_Sym) - 1,
          "not a multiple")
SHDR_CASE(symtab_beyond_file, SH_SYMTAB, sh_offset, 1u << 20, ".symtab (section 2)")
SHDR_CASE(symtab_offset_overflow, SH_SYMTAB, sh_offset, UINT64_MAX - 8, "beyond end")
/* Huge, yet a multiple of the entry size, so the bounds check (not the size check) fires. */
SHDR_CASE(symtab_size_overflow, SH_SYMTAB, sh_size, UINT64_MAX / 24 * 24, "beyond end")
SHDR_CASE(sh_link_out_of_range, SH_SYMTAB, sh_link, SH_COUNT, "outside 1..4")
SHDR_CASE(sh_link_huge, SH_SYMTAB, sh_link, 0xffffffffu, "outside 1..4")
SHDR_CASE(sh_link_zero, SH_SYMTAB, sh_link, 0, "outside 1..4")
SHDR_CASE(sh_link_not_strtab, SH_SYMTAB, sh_link, SH_TEXT, "not SHT_STRTAB")
SHDR_CASE(strtab_beyond_file, SH_STRTAB, sh_offset, UINT64_MAX - 2, "string table (section 3)")
SHDR_CASE(strtab_size_beyond_file, SH_STRTAB, sh_size, 1u << 20, "beyond end")
SHDR_CASE(strtab_empty, SH_STRTAB, sh_size, 0, "empty or not NUL-terminated")

Test(loader, strtab_without_nul)
{
    struct elf e = default_elf();
    e.buf[e.stroff + e.strsize - 1] = 'x';
    expect_bad_symtab(&e, "not NUL-terminated");
}

Test(loader, st_name_out_of_range)
{
    struct elf e = default_elf();
    Elf64_Sym s = get_sym(&e, 4);      /* after the match: still validated */
    s.st_name = (uint32_t)e.strsize;
    put_sym(&e, 4, &s);
    expect_bad_symtab(&e, ".symtab entry 4 has name offset 0x18 beyond its string table "
                          "(0x18 bytes)");
}

Test(loader, st_name_huge)
{
    struct elf e = default_elf();
    Elf64_Sym s = get_sym(&e, 1);
    s.st_name = 0xffffffffu;
    put_sym(&e, 1, &s);
    expect_bad_symtab(&e, "beyond its string table");
}

Test(loader, st_name_pointing_at_last_byte_is_fine)
{
    struct elf e = default_elf();
    Elf64_Sym s = get_sym(&e, 4);
    s.st_name = (uint32_t)e.strsize - 1;   /* the empty string */
    put_sym(&e, 4, &s);
    uint64_t v;
    cr_expect_eq(hv__elf_symbol(e.buf, e.len, "tohost", &v, err, sizeof err), 0, "%s", err);
    free(e.buf);
}

/* ---- randomized mutation -------------------------------------------------------------- */

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Byte flips (and some "interesting" 64-bit values) in the headers and tables of a valid
 * image. Never a crash or sanitizer report; a refused image never writes guest memory. */
Test(loader, random_mutations_never_crash, .timeout = 240)
{
    static const uint64_t interesting[] = { 0, 1, 0x7f, 0x80, 0xffff, 0x7fffffff, 0xffffffff,
                                            0x80000000, 0x8000000000000000ull, UINT64_MAX,
                                            UINT64_MAX - 7 };
    struct elf e = default_elf();
    /* Regions worth hitting: ELF header, program headers, symtab+strtab, section headers. */
    const size_t zones[][2] = {
        { 0, sizeof(Elf64_Ehdr) },
        { e.phoff, 2 * sizeof(Elf64_Phdr) },
        { e.symoff, e.nsyms * sizeof(Elf64_Sym) + e.strsize },
        { e.shoff, SH_COUNT * sizeof(Elf64_Shdr) },
        { 0, e.len },
    };
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    unsigned ok = 0, refused = 0;
    uint8_t *img = malloc(e.len);
    cr_assert_not_null(img);
    poison_guest();
    for (unsigned iter = 0; iter < 20000; iter++) {
        memcpy(img, e.buf, e.len);
        unsigned flips = 1 + (unsigned)(xorshift(&seed) % 4);
        for (unsigned f = 0; f < flips; f++) {
            const size_t *z = zones[xorshift(&seed) % 5];
            size_t at = z[0] + (size_t)(xorshift(&seed) % z[1]);
            uint64_t r = xorshift(&seed);
            if (r % 8 == 0 && at + 8 <= e.len) {
                uint64_t v = interesting[(r >> 8) % (sizeof interesting / sizeof *interesting)];
                memcpy(img + at, &v, 8);
            } else {
                img[at] ^= (uint8_t)(1u << ((r >> 8) % 8));
            }
        }
        size_t len = e.len;
        if (xorshift(&seed) % 16 == 0)
            len = (size_t)(xorshift(&seed) % e.len);
        struct hv_elf_info info;
        int rc = load_copy(img, len, &info);
        if (rc == 0) {
            ok++;
            cr_assert(info.lowest < info.highest);
            poison_guest();
        } else {
            refused++;
            cr_assert(rc == HV_EFORMAT || rc == HV_ERANGE, "iteration %u: %s (%s)", iter,
                      hv_err_name(rc), err);
            cr_assert(err[0] != '\0', "iteration %u: no message", iter);
            cr_assert(guest_untouched(), "iteration %u: refused image wrote memory (%s)", iter,
                      err);
        }
        uint64_t v;
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, img, len);
        rc = hv__elf_symbol(copy, len, "tohost", &v, err, sizeof err);
        free(copy);
        cr_assert(rc == 0 || rc == HV_ENOENT || rc == HV_EFORMAT, "iteration %u: %s", iter,
                  hv_err_name(rc));
    }
    cr_log_info("mutations: %u loaded, %u refused", ok, refused);
    cr_expect(ok > 100 && refused > 100, "mutations should exercise both outcomes (%u/%u)", ok,
              refused);
    free(img);
    free(e.buf);
}

/* ---- raw images -------------------------------------------------------------------------- */

Test(loader, raw_load)
{
    uint8_t img[3000];
    for (size_t i = 0; i < sizeof img; i++)
        img[i] = (uint8_t)(i * 7);
    cr_assert_eq(hv__raw_load(&mem, RAM_BASE + 0x123, img, sizeof img, err, sizeof err), 0,
                 "%s", err);
    cr_expect_arr_eq(hv__mem_hva(&mem, RAM_BASE + 0x123, sizeof img), img, sizeof img);
    cr_expect(hv__mem_is_dirty(&mem, RAM_BASE));
    cr_assert_eq(hv__raw_load(&mem, ROM_BASE, img, sizeof img, err, sizeof err), 0, "%s", err);
    cr_expect_arr_eq(hv__mem_hva(&mem, ROM_BASE, sizeof img), img, sizeof img);
    /* Exactly filling the end of RAM is fine. */
    cr_assert_eq(hv__raw_load(&mem, RAM_BASE + RAM_SIZE - sizeof img, img, sizeof img, err,
                              sizeof err), 0, "%s", err);
}

Test(loader, raw_load_spans_adjacent_regions)
{
    cr_assert_eq(hv__mem_map(&mem, RAM_BASE + RAM_SIZE, 0x1000, HV_REGION_ROM, HV_MEM_ROM, err,
                             sizeof err), 0, "%s", err);
    uint8_t img[0x1800];
    memset(img, 0x3c, sizeof img);
    cr_assert_eq(hv__raw_load(&mem, RAM_BASE + RAM_SIZE - 0x800, img, sizeof img, err,
                              sizeof err), 0, "%s", err);
    cr_expect_eq(*hv__mem_hva(&mem, RAM_BASE + RAM_SIZE + 0xfff, 1), 0x3c);
}

static void expect_raw_refused(uint64_t gpa, size_t len, int code, const char *what)
{
    static uint8_t img[0x2000];
    poison_guest();
    int rc = hv__raw_load(&mem, gpa, img, len, err, sizeof err);
    cr_expect_eq(rc, code, "gpa 0x%llx len 0x%zx: got %s (%s)", (unsigned long long)gpa, len,
                 hv_err_name(rc), err);
    cr_expect(strstr(err, what) != NULL, "message '%s' lacks '%s'", err, what);
    cr_expect(guest_untouched(), "refused raw image wrote memory");
}

Test(loader, raw_load_refusals)
{
    expect_raw_refused(RAM_BASE, 0, HV_EINVAL, "is empty");
    expect_raw_refused(0x40000000, 0x100, HV_ERANGE, "(0x40000000 is not mapped)");
    expect_raw_refused(RAM_BASE + RAM_SIZE - 0x100, 0x200, HV_ERANGE,
                       "(0x81000000 is not mapped)");
    expect_raw_refused(MMIO_BASE, 4, HV_ERANGE, "is MMIO");
    expect_raw_refused(UINT64_MAX - 0x10, 0x100, HV_ERANGE, "wraps around");
    expect_raw_refused(1ull << 40, 0x100, HV_ERANGE, "outside guest RAM/ROM");
    cr_expect_eq(hv__raw_load(&mem, RAM_BASE, NULL, 4, err, sizeof err), HV_EINVAL);
    cr_expect_eq(hv__raw_load(NULL, RAM_BASE, "abcd", 4, err, sizeof err), HV_EINVAL);
}

/* ---- host files ------------------------------------------------------------------------ */

Test(loader, file_read_data_file)
{
    void *data;
    size_t len;
    const char *path = HV_TEST_DATA "/loader/hello.txt";
    cr_assert_eq(hv__file_read(path, 1 << 20, &data, &len, err, sizeof err), 0, "%s", err);
    const char want[] = "hello from tests/data/loader\n";
    cr_expect_eq(len, sizeof want - 1);
    cr_expect_arr_eq(data, want, sizeof want - 1);
    free(data);
    /* One byte under the size: refused with the size and the limit named. */
    cr_expect_eq(hv__file_read(path, sizeof want - 2, &data, &len, err, sizeof err), HV_ELIMIT);
    cr_expect(strstr(err, "hello.txt") && strstr(err, "29 bytes") && strstr(err, "28 bytes"),
              "%s", err);
    cr_expect_null(data);
}

/* A private scratch directory per test (Criterion runs each test in its own process). */
static char *scratch(char *dir, size_t n)
{
    snprintf(dir, n, "/tmp/hv-test-loader-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    return dir;
}

static void write_file(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(buf, 1, len, f), len);
    fclose(f);
}

Test(loader, file_read_large_and_empty)
{
    char dir[64], path[128];
    scratch(dir, sizeof dir);
    size_t n = 3u << 20;
    uint8_t *big = malloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (uint8_t)(i ^ (i >> 8));
    snprintf(path, sizeof path, "%s/big.bin", dir);
    write_file(path, big, n);
    void *data;
    size_t len;
    cr_assert_eq(hv__file_read(path, n, &data, &len, err, sizeof err), 0, "%s", err);
    cr_expect_eq(len, n);
    cr_expect(memcmp(data, big, n) == 0);
    free(data);
    unlink(path);
    free(big);

    snprintf(path, sizeof path, "%s/empty", dir);
    write_file(path, "", 0);
    cr_assert_eq(hv__file_read(path, 0, &data, &len, err, sizeof err), 0, "%s", err);
    cr_expect_eq(len, 0);
    cr_expect_not_null(data);
    free(data);
    unlink(path);
    rmdir(dir);
}

Test(loader, file_read_refusals)
{
    char dir[64], path[128];
    void *data = (void *)1;
    size_t len = 99;
    scratch(dir, sizeof dir);

    snprintf(path, sizeof path, "%s/missing", dir);
    cr_expect_eq(hv__file_read(path, 100, &data, &len, err, sizeof err), HV_ENOENT);
    cr_expect(strstr(err, path) && strstr(err, "No such file"), "%s", err);
    cr_expect_null(data);
    cr_expect_eq(len, 0);

    snprintf(path, sizeof path, "%s/missing/below", dir);
    cr_expect_eq(hv__file_read(path, 100, &data, &len, err, sizeof err), HV_ENOENT, "%s", err);

    cr_expect_eq(hv__file_read(dir, 100, &data, &len, err, sizeof err), HV_EINVAL);
    cr_expect(strstr(err, "not a regular file") && strstr(err, dir), "%s", err);

    /* A FIFO with no writer: refused at once, not blocked on in open(). */
    snprintf(path, sizeof path, "%s/fifo", dir);
    cr_assert_eq(mkfifo(path, 0600), 0);
    cr_expect_eq(hv__file_read(path, 100, &data, &len, err, sizeof err), HV_EINVAL);
    cr_expect(strstr(err, "not a regular file") != NULL, "%s", err);
    unlink(path);

    if (geteuid() != 0) {   /* root ignores permissions */
        snprintf(path, sizeof path, "%s/secret", dir);
        write_file(path, "x", 1);
        chmod(path, 0);
        cr_expect_eq(hv__file_read(path, 100, &data, &len, err, sizeof err), HV_EIO);
        cr_expect(strstr(err, "Permission denied") && strstr(err, path), "%s", err);
        unlink(path);
    }

    cr_expect_eq(hv__file_read(NULL, 100, &data, &len, err, sizeof err), HV_EINVAL);
    cr_expect_eq(hv__file_read("/dev/null", 100, &data, &len, err, sizeof err), HV_EINVAL,
                 "character devices are not regular files");
    rmdir(dir);
}

/* ---- the RISC-V Linux Image header ------------------------------------------------------- */

static void image_header(uint8_t *h, uint64_t text_offset, uint64_t image_size)
{
    memset(h, 0, 64);
    for (unsigned i = 0; i < 8; i++) {
        h[0x08 + i] = (uint8_t)(text_offset >> (8 * i));
        h[0x10 + i] = (uint8_t)(image_size >> (8 * i));
    }
    memcpy(h + 0x38, "RSC\x05", 4);
}

Test(loader, image_header)
{
    uint8_t img[256];
    char msg[128];
    struct hv_image_info info;
    image_header(img, 0x200000, 0x10000);
    cr_assert_eq(hv__image_parse(img, sizeof img, &info, msg, sizeof msg), 0);
    cr_assert_eq(info.text_offset, 0x200000);
    cr_assert_eq(info.image_size, 0x10000, "BSS included");
    image_header(img, 0x200000, 0);                 /* old kernels: the file's length */
    cr_assert_eq(hv__image_parse(img, sizeof img, &info, msg, sizeof msg), 0);
    cr_assert_eq(info.image_size, sizeof img);
    /* Not an Image: another magic, too short, NULL. */
    img[0x38] = 'X';
    cr_assert_eq(hv__image_parse(img, sizeof img, &info, msg, sizeof msg), HV_ENOENT);
    image_header(img, 0x200000, 0x10000);
    cr_assert_eq(hv__image_parse(img, 63, &info, msg, sizeof msg), HV_ENOENT);
    cr_assert_eq(hv__image_parse(NULL, 64, &info, msg, sizeof msg), HV_ENOENT);
    /* Impossible fields: smaller than the file, huge, misaligned text offset. */
    image_header(img, 0x200000, 100);
    cr_assert_eq(hv__image_parse(img, sizeof img, &info, msg, sizeof msg), HV_EFORMAT);
    cr_assert(strstr(msg, "image_size"), "%s", msg);
    image_header(img, 0x200000, ~0ull);
    cr_assert_eq(hv__image_parse(img, sizeof img, &info, msg, sizeof msg), HV_EFORMAT);
    image_header(img, 0x200001, 0x10000);
    cr_assert_eq(hv__image_parse(img, sizeof img, &info, msg, sizeof msg), HV_EFORMAT);
    image_header(img, ~0ull, 0x10000);
    cr_assert_eq(hv__image_parse(img, sizeof img, &info, NULL, 0), HV_EFORMAT);
}
