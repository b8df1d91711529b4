import { describe, expect, it } from '@jest/globals';
import { StreamQueueInterceptor, type CommandContext, type CommandResult } from 'mneme';

const context = (streamName: string) => ({ streamName }) as CommandContext;
const tick = () => new Promise((resolve) => setTimeout(resolve, 2));

describe(StreamQueueInterceptor.name, () => {
  it('runs commands for one stream one after another, in arrival order', async () => {
    const queue = new StreamQueueInterceptor();
    const log: string[] = [];
    const command = (name: string) =>
      queue.intercept(context('S-1'), async () => {
        log.push(`${name}:start`);
        await tick();
        log.push(`${name}:end`);
        return {} as CommandResult;
      });
    await Promise.all([command('a'), command('b'), command('c')]);
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
    expect(queue.activeStreams).toBe(0);
  });

  it('lets different streams run at the same time', async () => {
    const queue = new StreamQueueInterceptor();
    let running = 0;
    let maxRunning = 0;
    const command = (stream: string) =>
      queue.intercept(context(stream), async () => {
        maxRunning = Math.max(maxRunning, ++running);
        await tick();
        running--;
        return {} as CommandResult;
      });
    await Promise.all([command('S-1'), command('S-2'), command('S-3')]);
    expect(maxRunning).toBe(3);
  });

  it('moves on to the next command when one fails', async () => {
    const queue = new StreamQueueInterceptor();
    const failing = queue.intercept(context('S-1'), async () => {
      throw new Error('rejected');
    });
    const next = queue.intercept(context('S-1'), async () => ({ attempts: 1 }) as CommandResult);
    await expect(failing).rejects.toThrow('rejected');
    await expect(next).resolves.toEqual({ attempts: 1 });
    expect(queue.activeStreams).toBe(0);
  });
});
