/**
 * Which markets of a venue are active right now, from a feed that covers every market (Kalshi:
 * the `trade` and `ticker` channels subscribed without market_tickers, kalshi/firehose.ts).
 * Two readers:
 * - stall detection (kalshi/stream.ts): a book socket silent since before a market of it traded
 *   or moved its ticker is stalled, not quiet;
 * - the scheduler (rotate mode): trades per market since its last rotation, so a market that
 *   starts trading is ranked HOT at the next rotation even without stats.
 * Plain mutable maps written on the hot path (one entry per market of the venue).
 */
export class MarketActivity {
  private readonly lastMs = new Map<string, number>()
  private counts = new Map<string, number>()

  /** a trade of `marketId` arrived at `recvTs` */
  noteTrade(marketId: string, recvTs: number): void {
    this.lastMs.set(marketId, recvTs)
    this.counts.set(marketId, (this.counts.get(marketId) ?? 0) + 1)
  }

  /** the market's ticker (best prices, sizes, volume) moved at `recvTs` */
  noteTicker(marketId: string, recvTs: number): void {
    this.lastMs.set(marketId, recvTs)
  }

  /** when the feed last showed the market active; undefined = never */
  lastActivityMs(marketId: string): number | undefined {
    return this.lastMs.get(marketId)
  }

  /** trades per market since the previous call (the scheduler's rotation) */
  takeTradeCounts(): ReadonlyMap<string, number> {
    const out = this.counts
    this.counts = new Map()
    return out
  }
}
