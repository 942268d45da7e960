import { afterEach, describe, expect, it, vi } from 'vitest';
import { filenameFromDisposition, saveBlob } from './download';

describe('file names from Content-Disposition', () => {
  it('prefers the UTF-8 name (RFC 5987)', () => {
    const h = `attachment; filename="statistics-2023.xlsx"; filename*=UTF-8''${encodeURIComponent('令和5年度_実績報告.xlsx')}`;
    expect(filenameFromDisposition(h, 'x.xlsx')).toBe('令和5年度_実績報告.xlsx');
  });
  it('falls back to the plain name, then to the default', () => {
    expect(filenameFromDisposition('attachment; filename="report.csv"', 'x.csv')).toBe('report.csv');
    expect(filenameFromDisposition('attachment; filename=report.csv', 'x.csv')).toBe('report.csv');
    expect(filenameFromDisposition('attachment', 'x.csv')).toBe('x.csv');
    expect(filenameFromDisposition(null, 'x.csv')).toBe('x.csv');
  });
});

describe('saving a Blob', () => {
  afterEach(() => vi.restoreAllMocks());
  it('clicks a temporary link with the download name and removes it', () => {
    const create = vi.fn(() => 'blob:test');
    Object.assign(URL, { createObjectURL: create, revokeObjectURL: vi.fn() });
    const clicked: HTMLAnchorElement[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this);
    });
    saveBlob(new Blob(['a,b']), '表.csv');
    expect(create).toHaveBeenCalledOnce();
    expect(clicked).toHaveLength(1);
    expect(clicked[0].download).toBe('表.csv');
    expect(clicked[0].getAttribute('href')).toBe('blob:test');
    expect(document.querySelector('a[download]')).toBeNull();
  });
});
