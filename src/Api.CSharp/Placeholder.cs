namespace Emulators; public static class Placeholder {}
