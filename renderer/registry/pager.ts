/**
 * Rows of a server-side list fetched page by page as the window over them moves. Only
 * the pages the window touches are asked for, each once; answers for an older query are
 * dropped (a slow answer must not overwrite the filter typed after it); a refresh keeps
 * showing the old rows until the new ones arrive, so an edit never blanks the table; a
 * bounded number of pages is kept so scrolling through 10,000 rows does not hoard them.
 */

export interface PageAnswer<T> {
  total: number;
  rows: T[];
}

export interface PagerOptions<Q, T> {
  pageSize: number;
  /** pages kept in memory at most; those furthest from the window go first */
  maxPages: number;
  fetch(query: Q, offset: number, limit: number): Promise<PageAnswer<T>>;
  /** something visible changed: rows arrived, the total, the error */
  onChange(): void;
}

interface Page<T> {
  rows: T[];
  /** the refresh generation these rows were fetched in */
  generation: number;
}

export class Pager<Q, T> {
  private query: Q | null = null;
  /** bumped by setQuery: answers from an older query are dropped */
  private queryId = 0;
  /** bumped by refresh: pages from an older generation are shown but fetched again */
  private generation = 0;
  private pages = new Map<number, Page<T>>();
  private inFlight = new Map<number, number>();
  private failed = new Set<number>();
  private wanted: number[] = [];
  total: number | null = null;
  error: string | null = null;

  constructor(private readonly options: PagerOptions<Q, T>) {}

  get loading(): boolean {
    return this.inFlight.size > 0;
  }

  get pageSize(): number {
    return this.options.pageSize;
  }

  /** A new search, filter or sort: start over from the first page. */
  setQuery(query: Q): void {
    this.query = query;
    this.queryId++;
    this.generation++;
    this.pages.clear();
    this.inFlight.clear();
    this.failed.clear();
    this.total = null;
    this.error = null;
    this.fetchWanted(this.wanted.length > 0 ? this.wanted : [0]);
    this.options.onChange();
  }

  /** The window now shows rows first..end-1: fetch the pages they are on that are missing. */
  ensure(first: number, end: number): void {
    const size = this.options.pageSize;
    const pages: number[] = [];
    const last = Math.max(first, end - 1);
    for (let p = Math.floor(first / size); p <= Math.floor(last / size); p++) pages.push(p);
    this.wanted = pages;
    this.fetchWanted(pages);
    this.evict();
  }

  /** Rows may have changed on the engine (an edit): fetch the wanted pages again, keep showing the old. */
  refresh(): void {
    this.generation++;
    this.failed.clear();
    this.error = null;
    this.fetchWanted(this.wanted.length > 0 ? this.wanted : [0]);
  }

  /** Try the pages that failed again (the Retry button). */
  retry(): void {
    this.failed.clear();
    this.error = null;
    this.fetchWanted(this.wanted.length > 0 ? this.wanted : [0]);
    this.options.onChange();
  }

  /** The row at `index`, or undefined while its page is on its way. */
  rowAt(index: number): T | undefined {
    const size = this.options.pageSize;
    return this.pages.get(Math.floor(index / size))?.rows[index % size];
  }

  /** Where a row with this key is among the loaded rows, or -1. */
  indexWhere(match: (row: T) => boolean): number {
    const size = this.options.pageSize;
    for (const [page, { rows }] of this.pages) {
      const i = rows.findIndex(match);
      if (i >= 0) return page * size + i;
    }
    return -1;
  }

  private fetchWanted(pages: number[]): void {
    if (this.query === null) return;
    for (const page of pages) {
      const have = this.pages.get(page);
      if (have && have.generation === this.generation) continue;
      if (this.inFlight.get(page) === this.generation || this.failed.has(page)) continue;
      if (this.total !== null && page * this.options.pageSize >= this.total && page > 0) continue;
      this.fetchPage(page);
    }
  }

  private fetchPage(page: number): void {
    const query = this.query as Q;
    const queryId = this.queryId;
    const generation = this.generation;
    const size = this.options.pageSize;
    this.inFlight.set(page, generation);
    this.options.fetch(query, page * size, size).then(
      (answer) => {
        if (queryId !== this.queryId) return;
        if (this.inFlight.get(page) === generation) this.inFlight.delete(page);
        const have = this.pages.get(page);
        // a refresh answered before an older fetch of the same page: keep the newer rows
        if (have && have.generation > generation) return;
        this.pages.set(page, { rows: answer.rows, generation });
        this.total = answer.total;
        this.error = null;
        this.evict();
        this.options.onChange();
      },
      (error: unknown) => {
        if (queryId !== this.queryId) return;
        if (this.inFlight.get(page) === generation) this.inFlight.delete(page);
        this.failed.add(page);
        this.error = error instanceof Error ? error.message : String(error);
        this.options.onChange();
      },
    );
  }

  private evict(): void {
    const excess = this.pages.size - this.options.maxPages;
    if (excess <= 0) return;
    const centre = this.wanted.length > 0 ? (this.wanted[0]! + this.wanted[this.wanted.length - 1]!) / 2 : 0;
    const keep = new Set(this.wanted);
    const victims = [...this.pages.keys()]
      .filter((p) => !keep.has(p))
      .sort((a, b) => Math.abs(b - centre) - Math.abs(a - centre))
      .slice(0, excess);
    for (const page of victims) this.pages.delete(page);
  }
}
