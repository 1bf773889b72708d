// The Web Speech API where the browser has it: recognition fills the command box, synthesis reads the answer.

const Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;

export function speechAvailable() {
  return Boolean(Recognition);
}

export function listen({ onText, onEnd }) {
  const r = new Recognition();
  r.lang = navigator.language || 'en-US';
  r.interimResults = true;
  r.maxAlternatives = 1;
  let final = false;
  let ended = false;
  const end = (ok) => {
    if (ended) return;
    ended = true;
    onEnd(ok);
  };
  r.onresult = (e) => {
    const text = Array.from(e.results)
      .map((x) => x[0].transcript)
      .join(' ');
    final = Array.from(e.results).every((x) => x.isFinal);
    onText(text);
  };
  r.onerror = () => end(false);
  r.onend = () => end(final);
  r.start();
  return () => r.stop();
}

export function speak(text) {
  if (!('speechSynthesis' in window) || !text) return;
  window.speechSynthesis.cancel();
  const u = new SpeechSynthesisUtterance(text);
  u.lang = navigator.language || 'en-US';
  window.speechSynthesis.speak(u);
}
