// useSealBridge: a React hook around one SealBridge for the component's lifetime.
//   const { sb, state, error, tokens } = useSealBridge();
// state is the SDK's connection state ('connecting', 'open', 'reconnecting', ...), error the
// SealBridgeError to show (DAEMON_UNREACHABLE, BROWSER_BLOCKED, ORIGIN_NOT_ALLOWED, ...), and
// tokens the keys plugged in, kept current through the key events. With a bundler, import
// React from 'react'; this example takes the global React of the UMD build.
import { SealBridge } from '/sdk/sealbridge.js';

const { useEffect, useState } = window.React;

export function useSealBridge(options) {
  const [sb] = useState(() => new SealBridge(options));
  const [state, setState] = useState(sb.state);
  const [error, setError] = useState(null);
  const [tokens, setTokens] = useState([]);

  useEffect(() => {
    let live = true;
    const readTokens = () =>
      sb.tokens().then(
        (reply) => live && (setTokens(reply.tokens), setError(null)),
        (e) => live && setError(e),
      );
    const onConnection = (event) => {
      if (!live) return;
      setState(event.state);
      if (event.state === 'open') readTokens();
      else if (event.error) setError(event.error);
    };
    sb.on('connection', onConnection).on('token.inserted', readTokens).on('token.removed', readTokens);
    sb.connect({ retry: true }).catch(() => {});     // the 'connection' event carries the error
    return () => {
      live = false;
      sb.off('connection', onConnection).off('token.inserted', readTokens).off('token.removed', readTokens);
      sb.close();
    };
  }, [sb]);

  return { sb, state, error, tokens };
}
